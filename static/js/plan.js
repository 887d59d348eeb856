// The treatment plan form: the fields a route uses, and its usual start when a route is picked.
// The values come from the server (PlanForm.route_starts); the server checks everything again.
(() => {
  const form = document.querySelector("form[data-plan-form]");
  const source = document.getElementById("plan-route-starts");
  if (!form || !source) return;
  const starts = JSON.parse(source.textContent);
  const note = document.getElementById("plan-filled");

  const wrapper = (name) => document.getElementById("div_id_" + name);
  const checked = (name) => form.querySelector(`input[name="${name}"]:checked`);

  function show(name, visible) {
    const box = wrapper(name);
    if (!box) return;
    box.hidden = !visible;
    // A hidden field is not sent, so a value typed for another route never reaches the plan.
    box.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = !visible; });
  }

  function applyRoute(route) {
    const used = (starts.routes[route] || {}).fields || [];
    starts.specific.forEach((name) => show(name, used.includes(name)));
    if (used.includes("dose_mode")) applyDoseMode();
    form.querySelectorAll("#id_protocol option[data-route]").forEach((option) => {
      option.hidden = option.dataset.route !== route;
      option.disabled = option.dataset.route !== route;
    });
  }

  function applyDoseMode() {
    const mode = checked("dose_mode");
    if (!mode) return;
    show("dose_mg_per_kg", mode.value === "mg_per_kg");
    show("dose_mg", mode.value === "fixed_mg");
  }

  function setValue(name, value) {
    const radios = form.querySelectorAll(`input[type=radio][name="${name}"]`);
    if (radios.length) {
      radios.forEach((radio) => { radio.checked = String(radio.value) === String(value); });
      return;
    }
    const field = form.elements[name];
    if (field) field.value = value === null || value === undefined ? "" : String(value);
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "route") {
      const start = starts.routes[event.target.value];
      if (!start) return;
      Object.entries(start.values).forEach(([name, value]) => setValue(name, value));
      applyRoute(event.target.value);
      note.textContent = start.filled;
      note.classList.remove("d-none");
    } else if (event.target.name === "dose_mode") {
      applyDoseMode();
    }
  });

  const route = checked("route");
  if (route) applyRoute(route.value);
})();
