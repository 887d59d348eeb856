// Follow-up intake questions: an element marked data-show-when is shown only while its
// condition holds. A condition is "field=value", "field!=value" (answered, and not that
// value), or several joined by "|" (any of them). intake/questionnaire.py (FollowUp) holds
// the same conditions; the server requires a shown question and drops a hidden one, so
// without JavaScript every question stays visible and nothing is lost.
(function () {
  function wrapperOf(element) {
    if (!element.matches("input, select, textarea")) return element;
    return element.closest(".mb-3") || element.closest("fieldset") || element.parentElement;
  }
  function currentValue(name) {
    const checked = document.querySelector(`input[name="${name}"]:checked`);
    if (checked) return checked.value;
    const field = document.querySelector(`[name="${name}"]`);
    return field && field.type !== "radio" ? field.value : "";
  }
  function holds(condition) {
    return condition.split("|").some((part) => {
      const negated = part.includes("!=");
      const [name, value] = part.split(negated ? "!=" : "=");
      const current = currentValue(name);
      return negated ? current !== "" && current !== value : current === value;
    });
  }
  function update() {
    const seen = new Set();
    document.querySelectorAll("[data-show-when]").forEach((element) => {
      const wrapper = wrapperOf(element);
      if (seen.has(wrapper)) return;
      seen.add(wrapper);
      wrapper.hidden = !holds(element.dataset.showWhen);
    });
  }

  // Allergies: one more empty row per press (the rows are a Django formset).
  function addAllergyRow() {
    const template = document.getElementById("allergy-row-template");
    const total = document.querySelector('input[name="allergy-TOTAL_FORMS"]');
    const maximum = document.querySelector('input[name="allergy-MAX_NUM_FORMS"]');
    const index = parseInt(total.value, 10);
    if (maximum && index >= parseInt(maximum.value, 10)) return;
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    document.getElementById("allergy-rows").appendChild(row);
    total.value = String(index + 1);
    row.querySelector("input").focus();
  }

  document.addEventListener("change", update);
  document.addEventListener("DOMContentLoaded", () => {
    update();
    const addButton = document.getElementById("add-allergy");
    if (addButton) {
      addButton.hidden = false;
      addButton.addEventListener("click", addAllergyRow);
    }
    document.body.dataset.conditionsReady = "1";
  });
})();
