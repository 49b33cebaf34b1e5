// Copies the front-end libraries from node_modules into the git-ignored static vendor folder.
import { copyFileSync, mkdirSync } from "node:fs";

const dest = "src/motcua/static/vendor";
const files = {
  "node_modules/htmx.org/dist/htmx.min.js": "htmx.min.js",
  "node_modules/jsqr/dist/jsQR.js": "jsQR.js",
  "node_modules/chart.js/dist/chart.umd.min.js": "chart.umd.min.js",
};
mkdirSync(dest, { recursive: true });
for (const [from, to] of Object.entries(files)) {
  copyFileSync(from, `${dest}/${to}`);
}
console.log(`copied ${Object.keys(files).length} front-end file(s) into ${dest}`);
