// Imported by main.mjs as "./greeting.js": a relative specifier, resolved against main.mjs's
// own (fingerprinted) URL to /static/js/modules/greeting.js, which the import map sends to this
// file's fingerprinted URL with its integrity.
export function greet(names) {
  return `Hello from ${names}.`;
}

// The marker the browser test looks for: this module passed its integrity check and ran.
document.documentElement.dataset.relative = "ran";
