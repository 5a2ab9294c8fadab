/*
 * Small behaviours DSFR leaves to the site. They live here because the Content-Security-Policy
 * (script-src 'self') forbids inline scripts and onclick="" handlers.
 */
(function () {
  "use strict";

  // Close buttons of DSFR alerts (Django messages) and notices remove their block.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".fr-alert .fr-btn--close, .fr-notice .fr-btn--close");
    if (!button) {
      return;
    }
    var block = button.closest(".fr-alert, .fr-notice");
    if (block && block.parentNode) {
      block.parentNode.removeChild(block);
    }
  });
})();
