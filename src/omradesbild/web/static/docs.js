// The API docs page (/docs): names for the controls Swagger UI draws without one, and the
// keyboard's way into its code boxes that scroll, for the accessibility check (WCAG 2.1 AA).
// Every name comes from the page itself, so nothing here is wording of ours.
(() => {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root) return;
  const name = (el, label) => {
    if (label && label.trim()) el.setAttribute("aria-label", label.trim());
  };
  const fix = () => {
    // A parameter's list of values: named after the parameter.
    for (const s of root.querySelectorAll("tr[data-param-name] select:not([aria-label])")) {
      name(s, s.closest("tr").dataset.paramName);
    }
    // The request body's text ("Try it out"): named after its section's heading.
    for (const t of root.querySelectorAll(".opblock-section-request-body textarea:not([aria-label])")) {
      const heading = t.closest(".opblock-section-request-body").querySelector(".opblock-title");
      name(t, heading && heading.textContent);
    }
    // The copy buttons of the code boxes: Swagger UI's own title of its copy links.
    const copy = root.querySelector(".copy-to-clipboard[title]");
    for (const b of root.querySelectorAll(".copy-to-clipboard > button:not([aria-label])")) {
      name(b, copy && copy.title);
    }
    // Code that scrolls sideways: reachable with Tab, then scrolled with the arrow keys.
    for (const pre of root.querySelectorAll("pre.microlight:not([tabindex])")) pre.tabIndex = 0;
  };
  new MutationObserver(fix).observe(root, { childList: true, subtree: true });
})();
