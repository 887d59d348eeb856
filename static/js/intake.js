// Conditional intake questions: a field marked data-show-when="other_field=value" is shown
// only while that answer is chosen. Without JavaScript every question stays visible and the
// server ignores the ones that do not apply.
(function () {
  function wrapperOf(input) {
    return input.closest(".mb-3") || input.closest("fieldset") || input.parentElement;
  }
  function currentValue(name) {
    const checked = document.querySelector(`input[name="${name}"]:checked`);
    if (checked) return checked.value;
    const field = document.querySelector(`[name="${name}"]`);
    return field && field.type !== "radio" ? field.value : "";
  }
  function update() {
    const seen = new Set();
    document.querySelectorAll("[data-show-when]").forEach((input) => {
      const wrapper = wrapperOf(input);
      if (seen.has(wrapper)) return;
      seen.add(wrapper);
      const [name, value] = input.dataset.showWhen.split("=");
      wrapper.hidden = currentValue(name) !== value;
    });
  }
  document.addEventListener("change", update);
  document.addEventListener("DOMContentLoaded", () => {
    update();
    document.body.dataset.conditionsReady = "1";
  });
})();
