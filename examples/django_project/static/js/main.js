// The last input of the js/app.js bundle. The page loads the bundle with `defer`, so the
// document is parsed when this runs.
(function () {
  "use strict";
  // The marker the browser test looks for: the bundle ran, so it passed its integrity check.
  document.documentElement.dataset.assetbuild = "ran";
  var greeting = document.getElementById("greeting");
  if (greeting) {
    greeting.textContent = window.exampleGreeting("the js/app.js bundle");
  }
})()
