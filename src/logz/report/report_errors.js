// Runs first in a logz report: records every script error, failed load,
// console.error and blocked fetch into the <html> element's
// data-report-errors attribute (empty when all went well), where a headless
// browser's DOM dump shows it (tests/cli/report_test.py).
(function () {
  "use strict";
  var root = document.documentElement;
  var errors = [];
  function record(message) {
    errors.push(String(message));
    root.setAttribute("data-report-errors", errors.join("\n"));
  }
  root.setAttribute("data-report-errors", "");
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      record("cannot load " + (target.src || target.href));
    } else {
      record(event.message + " (line " + event.lineno + ")");
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + event.reason);
  });
  document.addEventListener("securitypolicyviolation", function (event) {
    record("blocked by the page's security policy: " + event.blockedURI + " (" + event.violatedDirective + ")");
  });
  var consoleError = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
})();
