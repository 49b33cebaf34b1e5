"""Pure rules of the shared kernel (no Django)."""
