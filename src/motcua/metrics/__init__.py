"""Metrics: rollups kept exact from dossier events, the Decision 766 service index, Biểu II.06a.

`domain/` holds the pure rules (period semantics, timelines, scoring, the indicator configuration);
`rollups` keeps the rollup tables in step with every dossier event; `selectors` reads them.
"""
