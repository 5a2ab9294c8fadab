/*
 * "Import des effectifs": small enhancements; every page works without them (CSP: script-src 'self').
 * - the analysis page polls its JSON endpoint, moves the progress bar and shows the result when ready;
 * - the "lignes en erreur" switch applies itself (its "Appliquer" button is for browsers without JS);
 * - submit buttons say "please wait" and cannot be clicked twice.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function poll(panel) {
    var url = panel.getAttribute("data-etat-url");
    var bar = document.getElementById("progression-import");
    var text = document.getElementById("progression-texte");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (state) {
          if (state.termine) {
            window.location.assign(state.url);
            return;
          }
          if (state.lignes_total > 0) {
            bar.max = state.lignes_total;
            bar.value = state.lignes_traitees;
            text.textContent = state.lignes_traitees + " ligne(s) vérifiée(s) sur " + state.lignes_total;
          }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () {
          // The "Actualiser" link stays there; try again a little later.
          window.setTimeout(tick, POLL_MS * 5);
        });
    }
    window.setTimeout(tick, POLL_MS);
  }

  var panel = document.querySelector(".tdba-import-progression[data-etat-url]");
  if (panel && window.fetch) {
    poll(panel);
  }

  var filter = document.querySelector(".tdba-import-filtre");
  if (filter) {
    var apply = filter.querySelector(".tdba-import-filtrer");
    if (apply) {
      apply.hidden = true;
    }
    filter.addEventListener("change", function () {
      filter.submit();
    });
  }

  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[data-attente]");
    if (!button) {
      return;
    }
    if (button.getAttribute("aria-disabled") === "true") {
      event.preventDefault();
      return;
    }
    // Disabled after the submit event, so that the form is still sent.
    window.setTimeout(function () {
      button.setAttribute("aria-disabled", "true");
      button.disabled = true;
      button.textContent = button.getAttribute("data-attente");
    }, 0);
  });
})();
