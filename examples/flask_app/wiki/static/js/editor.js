// The last input of the wiki/js/wiki.js bundle, loaded with `defer` by the wiki's page.
(function () {
  "use strict";
  // The marker the browser test looks for: the wiki's bundle ran.
  document.documentElement.dataset.wiki = "ran";
  var editor = document.getElementById("editor");
  if (editor) {
    editor.textContent = window.wikiMarkup("the wiki/js/wiki.js bundle");
  }
})();
