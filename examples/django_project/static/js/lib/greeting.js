/*! greeting.js: a stand-in for a vendored library (first input of the js/app.js bundle) */
window.exampleGreeting = function (name) {
  return "Hello from " + name + ".";
};
