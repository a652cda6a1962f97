// Imported by main.mjs on demand, with import("./lazy.js"): no modulepreload for it, and it is
// fetched only when main.mjs asks, through the same import map (and so with its integrity).
export const name = "./lazy.js";

// The marker the browser test looks for: the dynamic import reached this file and it ran.
document.documentElement.dataset.dynamic = "ran";
