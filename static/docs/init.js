// Renders the API reference at /docs from the document named by the
// container's data-spec-url (no inline script: the CSP allows 'self' only),
// in the colours of static/css/app.css for the light or dark scheme, and
// re-renders when the system scheme changes. The colours keep WCAG AA
// contrast (4.5:1) on their backgrounds.
(function () {
  "use strict";
  var el = document.getElementById("redoc");
  if (!el || !window.Redoc) {
    return;
  }
  var font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif';
  var mono = 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace';
  var palettes = {
    light: {
      bg: "#ffffff", side: "#f8f9fb", text: "#1b1e25", muted: "#565e6c", border: "#d8dce3",
      primary: "#4338ca", link: "#3f35c4", panel: "#1b1e25", panelText: "#f4f5f8", code: "#2c313c",
      success: "#05603a", error: "#b42318", warning: "#7a2e0e", info: "#1d4ed8",
      http: { get: "#05603a", post: "#1d4ed8", put: "#7a2e0e", options: "#565e6c", patch: "#7a2e0e", delete: "#b42318", basic: "#565e6c", link: "#3f35c4", head: "#565e6c" }
    },
    dark: {
      bg: "#171a21", side: "#0e1015", text: "#e7e9ee", muted: "#a6adbb", border: "#2c313c",
      primary: "#8b93ff", link: "#a9b0ff", panel: "#0e1015", panelText: "#e7e9ee", code: "#1d2129",
      success: "#75e0a7", error: "#ffa59d", warning: "#fec84b", info: "#8ab4ff",
      // Method badges carry white text in both schemes.
      http: { get: "#05603a", post: "#1d4ed8", put: "#7a2e0e", options: "#4b5260", patch: "#7a2e0e", delete: "#b42318", basic: "#4b5260", link: "#3f35c4", head: "#4b5260" }
    }
  };
  function theme(p) {
    return {
      spacing: { sectionVertical: 24 },
      colors: {
        tonalOffset: 0.15,
        primary: { main: p.primary },
        success: { main: p.success },
        warning: { main: p.warning },
        error: { main: p.error },
        text: { primary: p.text, secondary: p.muted },
        border: { dark: p.border, light: p.border },
        http: p.http,
        responses: {
          success: { color: p.success, backgroundColor: "transparent", tabTextColor: p.success },
          error: { color: p.error, backgroundColor: "transparent", tabTextColor: p.error },
          redirect: { color: p.warning, backgroundColor: "transparent", tabTextColor: p.warning },
          info: { color: p.info, backgroundColor: "transparent", tabTextColor: p.info }
        }
      },
      schema: { nestedBackground: p.side, typeNameColor: p.muted, typeTitleColor: p.muted, requireLabelColor: p.error, labelsTextSize: "0.9em" },
      typography: {
        fontSize: "15px", fontFamily: font, smoothing: "auto",
        headings: { fontFamily: font, fontWeight: "700" },
        code: { fontFamily: mono, color: p.text, backgroundColor: p.side, wrap: true },
        links: { color: p.link, visited: p.link, hover: p.primary }
      },
      sidebar: { backgroundColor: p.side, textColor: p.text, activeTextColor: p.link, groupItems: { activeTextColor: p.link } },
      rightPanel: { backgroundColor: p.panel, textColor: p.panelText, width: "40%" },
      codeBlock: { backgroundColor: p.code },
      fab: { backgroundColor: p.primary, color: p.bg }
    };
  }
  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  // ReDoc's headings skip levels (an h5 right under an h2). Screen readers
  // navigate by level, so each heading that skips is given the level one
  // below the heading before it (aria-level), after every render.
  function fixHeadingLevels() {
    var prev = 1;
    var hs = el.querySelectorAll("h1, h2, h3, h4, h5, h6");
    for (var i = 0; i < hs.length; i++) {
      var h = hs[i];
      var level = parseInt(h.tagName.charAt(1), 10);
      if (level > prev + 1) {
        level = prev + 1;
        h.setAttribute("aria-level", String(level));
      } else if (h.hasAttribute("aria-level")) {
        h.removeAttribute("aria-level");
      }
      prev = level;
    }
  }
  // ReDoc's oneOf buttons put white text on the primary colour, and the
  // primary colour on white, whatever the theme: in the dark scheme (a light
  // primary) neither reads. They are marked here so that app.css can give
  // them dark text on the primary colour, or the primary colour on the page.
  var primaryRGB = "rgb(139, 147, 255)";
  function markOneOfButtons() {
    if (!(dark && dark.matches)) {
      return;
    }
    var bs = el.querySelectorAll("button:not([aria-expanded])");
    for (var i = 0; i < bs.length; i++) {
      var cs = window.getComputedStyle(bs[i]);
      if (cs.backgroundColor === primaryRGB) {
        bs[i].classList.add("redoc-choice", "redoc-choice--active");
      } else if (cs.color === primaryRGB) {
        bs[i].classList.add("redoc-choice");
      }
    }
  }
  var pending = false;
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        fixHeadingLevels();
        markOneOfButtons();
      });
    }
  }).observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
  function render() {
    var p = dark && dark.matches ? palettes.dark : palettes.light;
    window.Redoc.init(el.getAttribute("data-spec-url"), {
      expandResponses: "",
      jsonSampleExpandLevel: 2,
      sortTagsAlphabetically: false,
      hideDownloadButton: true, // the page links /openapi.json itself
      nativeScrollbars: true,
      theme: theme(p)
    }, el, function () {
      fixHeadingLevels();
      markOneOfButtons();
    });
  }
  render();
  if (dark && dark.addEventListener) {
    dark.addEventListener("change", render);
  }
})();
