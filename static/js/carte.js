// Map tooltip: shows the département's <title> text next to the pointer (no inline script: CSP).
(function () {
  "use strict";
  var bulle = document.createElement("div");
  bulle.className = "tdba-carte__infobulle";
  bulle.hidden = true;
  bulle.setAttribute("aria-hidden", "true");
  document.body.appendChild(bulle);

  document.querySelectorAll(".tdba-carte__svg .departement").forEach(function (path) {
    var title = path.querySelector("title");
    if (!title) {
      return;
    }
    path.addEventListener("mousemove", function (event) {
      bulle.textContent = title.textContent;
      bulle.hidden = false;
      bulle.style.left = event.clientX + 12 + "px";
      bulle.style.top = event.clientY + 12 + "px";
    });
    path.addEventListener("mouseleave", function () {
      bulle.hidden = true;
    });
  });
})();
