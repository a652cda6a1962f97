// The page's ES module entry point: <script type="module">, after the import map (see
// templates/index.html). It imports a module by a relative specifier, one by a bare specifier
// and one on demand; each sets its own marker on <html> when it runs (the browser test reads
// them). The release keeps these bytes as they are: the import map sends "./greeting.js",
// "@example/palette" and "./lazy.js" to the fingerprinted files, with their integrity.
import { greet } from "./greeting.js";
import { name as palette } from "@example/palette";

const lazy = await import("./lazy.js");

document.getElementById("modules").textContent = greet(
  `./greeting.js, ${palette} and ${lazy.name}`,
);
