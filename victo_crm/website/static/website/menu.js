/* The page menu on narrow screens: a disclosure button (aria-expanded, aria-controls).
   Without JavaScript the button stays hidden and the menu stays open. */
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle[aria-controls]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu || !menu.querySelector("a")) return;
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }
  button.hidden = false;
  document.body.classList.add("menu-ready");
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
