// Prefills an empty time-zone field (data-timezone-detect) with the
// browser's own IANA zone. Only a suggestion: the member still saves the
// form, and the page works the same without this script.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  var inputs = document.querySelectorAll("input[data-timezone-detect]");
  for (var i = 0; i < inputs.length; i++) {
    if (inputs[i].value === "") {
      inputs[i].value = zone;
    }
  }
})();
