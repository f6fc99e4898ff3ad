// Offer form: show the chosen category's suggested price under the category field.
(function () {
  "use strict";
  const select = document.querySelector("#offer-form select[name=category]");
  const hint = document.getElementById("price-hint");
  if (!select || !hint) return;
  function update() {
    const option = select.options[select.selectedIndex];
    const price = option && option.dataset.suggestedPrice;
    hint.textContent = price ? "Typical price for this category: " + price : "";
  }
  select.addEventListener("change", update);
  update();
})();
