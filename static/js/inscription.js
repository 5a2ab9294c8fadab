/*
 * Sign-up wizard, progressive enhancement only (the pages work without JavaScript):
 * - UAI / SIRET search: results refresh while typing (debounced fetch of the results partial);
 *   switching UAI / SIRET reloads the form;
 * - forms marked .tdba-autosubmit submit as soon as a radio or a select changes.
 */
(function () {
  "use strict";

  var search = document.getElementById("recherche-organisme");
  if (search) {
    var results = document.getElementById("resultats-organisme");
    var url = search.getAttribute("data-resultats-url");
    var timer = null;
    var last = "";
    search.addEventListener("input", function (event) {
      if (event.target.type !== "text") {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var query = new URLSearchParams(new FormData(search)).toString();
        if (query === last) {
          return;
        }
        last = query;
        fetch(url + "?" + query, { headers: { "X-Requested-With": "fetch" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) {
            results.innerHTML = html;
            if (window.history && window.history.replaceState) {
              window.history.replaceState(null, "", "?" + query);
            }
          })
          .catch(function () { /* the "Rechercher" button still works */ });
      }, 400);
    });
    search.addEventListener("change", function (event) {
      if (event.target.name === "select") {
        var mode = event.target.value;
        window.location.search = "?select=" + encodeURIComponent(mode);
      }
    });
  }

  document.querySelectorAll("form.tdba-autosubmit").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.type === "radio" || event.target.tagName === "SELECT") {
        form.submit();
      }
    });
  });
})();
