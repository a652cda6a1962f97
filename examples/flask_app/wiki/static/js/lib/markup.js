/*! markup.js: the first input of the wiki/js/wiki.js bundle */
window.wikiMarkup = function (text) {
  return "Edited with " + text + ".";
};
