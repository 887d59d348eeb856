// Small, page-independent behaviour. Scripts come only from this origin (CSP script-src 'self').
document.addEventListener("htmx:configRequest", (event) => {
  // htmx requests carry the CSRF token from the cookie-less form field on the page.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});

// A save that never reached the server (or failed there) keeps what was typed and says so.
function showSaveProblem(event, text) {
  const form = event.detail.elt.closest("form");
  if (!form) return;
  let box = form.querySelector(".save-problem");
  if (!box) {
    box = document.createElement("div");
    box.className = "alert alert-danger py-2 save-problem";
    box.setAttribute("role", "alert");
    form.prepend(box);
  }
  box.textContent = text;
}
document.addEventListener("htmx:sendError", (event) => {
  showSaveProblem(event, "Not saved: the connection dropped. What you typed is still here — try again.");
});
document.addEventListener("htmx:responseError", (event) => {
  showSaveProblem(event, "Not saved: the server refused it (" + event.detail.xhr.status + "). What you typed is still here — reload the page if it persists.");
});

// The dose form shows weight × mg/kg as the nurse adjusts the dose (the server recomputes).
document.addEventListener("input", (event) => {
  if (event.target.name !== "mg_per_kg") return;
  const output = document.getElementById("dose-total");
  if (!output || !output.dataset.weight) return;
  const total = parseFloat(output.dataset.weight) * parseFloat(event.target.value);
  output.textContent = Number.isFinite(total) ? (Math.round(total * 10) / 10).toFixed(1) + " mg" : "—";
});

// A weight in kg shows its pounds beside it, so a weight typed in pounds stands out.
document.addEventListener("input", (event) => {
  if (event.target.dataset.pounds !== "weight") return;
  let note = event.target.parentElement.querySelector(".weight-pounds");
  if (!note) {
    note = document.createElement("div");
    note.className = "form-text weight-pounds";
    note.setAttribute("aria-live", "polite");
    event.target.insertAdjacentElement("afterend", note);
  }
  const kg = parseFloat(event.target.value);
  note.textContent = Number.isFinite(kg) ? "= " + (kg / 0.45359237).toFixed(1) + " lb" : "";
});
