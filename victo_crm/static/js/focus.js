/* After a form is refused or an action is done, a screen-reader user hears what happened:
   the error summary, or else the message of the action, takes the focus on load (both are
   present at load, where a live region would not be announced), even on a page reached at
   an anchor. A link of the summary to
   a group of choices shows the whole fieldset (question and error) and focuses its first
   choice, rather than scrolling that first choice to the top of the window.
   One script for the whole project; no inline script (Content-Security-Policy). */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  var message = document.getElementById("messages");
  var target = summary || message;
  if (target) {
    target.focus();
    // Reached at an anchor (the desk's "#historique" after a reply or a note), the browser
    // scrolls there at load and, the section not being focusable, moves the focus back to
    // the page: give it to the message again, leaving the view where the anchor put it.
    if (location.hash) {
      window.addEventListener("load", function () {
        if (document.activeElement === document.body) { target.focus({ preventScroll: true }); }
      });
    }
  }
  if (!summary) { return; }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link) { return; }
    var goal = document.getElementById(link.getAttribute("href").slice(1));
    if (!goal || goal.tagName !== "FIELDSET") { return; }
    event.preventDefault();
    goal.scrollIntoView({ block: "start" });
    var first = goal.querySelector("input:checked, input, select, textarea");
    if (first) { first.focus({ preventScroll: true }); }
    if (history.replaceState) { history.replaceState(null, "", "#" + goal.id); }
  });
})();
