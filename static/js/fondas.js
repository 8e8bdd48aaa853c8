// Behaviour shared by every Fondas page: after a failed submit, focus moves to
// the form's error summary so that a screen reader reads it and a keyboard user
// starts from it (WCAG 3.3.1).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
