/* The desk works without JavaScript; htmx only saves page loads. */
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
  });
  // After a canned response fills the reply box, put the cursor in it to edit.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var box = document.querySelector("#reply-text textarea");
    if (box && event.detail.target && event.detail.target.id === "reply-text") { box.focus(); }
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var box = document.querySelector("#reply-text textarea");
    if (box && document.activeElement === document.body) { box.focus(); }
  });
})();
