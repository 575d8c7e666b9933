// seedtrail dashboard: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("submit", (ev) => {
  const form = ev.target;
  const msg = form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
document.addEventListener("change", (ev) => {
  const el = ev.target;
  if (el.matches("select[data-autosubmit]")) el.form.submit();
});
