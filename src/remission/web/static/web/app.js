/* Behaviour of every page, loaded from a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  /* <button data-print>: prints the page */
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
