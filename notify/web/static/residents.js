// Only an enhancement: every form works without it.
// After a failed submit the error summary gets the focus (screen readers read it out);
// a link in the summary moves the focus to its field, not just the scroll position.
(function () {
  var summary = document.getElementById("fehler");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (!field) return;
    event.preventDefault();
    var details = field.closest("details");
    if (details) details.open = true;
    field.focus();
    (target.closest(".field") || target).scrollIntoView();
  });
})();
