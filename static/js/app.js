// Small, page-independent behaviour. Scripts come only from this origin (CSP script-src 'self').
document.addEventListener("htmx:configRequest", (event) => {
  // htmx requests carry the CSRF token from the cookie-less form field on the page.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
