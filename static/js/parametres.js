/*
 * Paramètres wizard: "Copier la clé" copies the exchange key to the clipboard and says so ("Copié !").
 * Progressive enhancement: without JavaScript the key stays in a read-only field the user can select.
 */
(function () {
  "use strict";

  function confirm(input, text) {
    var status = document.getElementById(input.id + "-copie");
    if (!status) {
      return;
    }
    status.textContent = text;
    window.clearTimeout(status.tdbaTimer);
    status.tdbaTimer = window.setTimeout(function () {
      status.textContent = "";
    }, 6000);
  }

  function copyWithSelection(input) {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(input) {
    var done = function () {
      confirm(input, "Copié !");
    };
    var failed = function () {
      if (copyWithSelection(input)) {
        done();
      } else {
        input.select();
        confirm(input, "La copie automatique a échoué : la clé est sélectionnée, copiez-la avec Ctrl+C (ou Cmd+C).");
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, failed);
    } else {
      failed();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-tdba-copy]");
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-tdba-copy"));
    if (input) {
      event.preventDefault();
      copy(input);
    }
  });

  // Clicking in the key selects it whole, which helps a manual copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("tdba-cle") && event.target.select) {
      event.target.select();
    }
  });
})();
