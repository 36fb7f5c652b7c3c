// Renders the API reference at /docs from the document named by the
// container's data-spec-url (no inline script: the CSP allows 'self' only).
(function () {
  "use strict";
  var el = document.getElementById("redoc");
  if (!el || !window.Redoc) {
    return;
  }
  window.Redoc.init(el.getAttribute("data-spec-url"), {
    expandResponses: "200,201",
    jsonSampleExpandLevel: 3,
    sortTagsAlphabetically: false
  }, el);
})();
