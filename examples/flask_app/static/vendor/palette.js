/*! palette.js: a stand-in for a vendored ES module package. Pages import it by its bare
 *  specifier, "@example/palette", which [importmap] in assetbuild.toml maps to vendor/palette.js. */
export const name = "@example/palette";

// The marker the browser test looks for: the bare specifier resolved, through the import map.
document.documentElement.dataset.bare = "ran";
