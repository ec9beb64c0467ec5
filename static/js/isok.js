// Send the CSRF token with every HTMX request that changes something.
document.addEventListener("htmx:configRequest", function (event) {
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) {
    event.detail.headers["x-csrftoken"] = decodeURIComponent(match[1]);
  }
});

// --- placements: competence type-ahead (issue 3) ---
// A competence field marked data-suggest asks /competences/suggest for its value as ?q=;
// choosing a suggestion button puts its code in the field. Without JavaScript the field
// takes a code or a name and the server maps it.
document.addEventListener("htmx:configRequest", function (event) {
  var field = event.detail.elt;
  if (field && field.hasAttribute && field.hasAttribute("data-suggest")) {
    event.detail.parameters = { q: field.value };
  }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("button[data-suggest-code]") : null;
  var list = button ? button.closest("[data-suggest-for]") : null;
  var field = list ? document.getElementById(list.getAttribute("data-suggest-for")) : null;
  if (!field) {
    return;
  }
  event.preventDefault();
  field.value = button.getAttribute("data-suggest-code");
  list.innerHTML = "";
  field.focus();
});
