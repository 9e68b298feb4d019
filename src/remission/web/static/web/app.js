/* Behaviour of every page, loaded from a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  /* <button data-print>: prints the page */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  /* a card whose table is wider than a narrow screen scrolls sideways (app.css): the keyboard must reach it
     (WCAG 2.1.1), so it joins the tab order, named by its heading, while it scrolls */
  function reachScrollers() {
    document.querySelectorAll("main .card, main .table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroller", "");
        var heading = box.querySelector("h1, h2, h3, caption");
        if (!box.hasAttribute("role") && box.tagName !== "SECTION") { box.setAttribute("role", "region"); }
        if (heading && !box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", heading.textContent.trim());
        }
      } else if (!scrolls && box.hasAttribute("data-scroller")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroller");
      }
    });
  }
  reachScrollers();
  window.addEventListener("resize", reachScrollers);
  /* a form shown again with its errors: the keyboard starts at the first field in error (its label, error
     and help are read with it, through aria-describedby) — unless something else has the focus already */
  var invalid = document.querySelector("main [aria-invalid=true]");
  if (invalid && (document.activeElement === null || document.activeElement === document.body)) {
    invalid.focus();
  }
})();
