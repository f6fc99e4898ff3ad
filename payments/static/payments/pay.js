// The pay page: save a card with a SetupIntent (confirmCardSetup), let the server charge it,
// and run 3-D Secure (confirmCardPayment) when the server says the bank asks for it.
(function () {
  "use strict";
  const config = document.getElementById("payment-config");
  if (!config || typeof Stripe === "undefined") return;
  const stripe = Stripe(config.dataset.publishableKey);

  if (config.dataset.actionSecret) {
    // Whatever the popup returns, the server reads the outcome from Stripe on the return URL.
    stripe.confirmCardPayment(config.dataset.actionSecret).finally(function () {
      window.location.assign(config.dataset.returnUrl);
    });
    return;
  }

  const form = document.getElementById("card-form");
  if (!form) return;
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("pay-button");
  const retry = document.getElementById("card-retry");

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(config.dataset.setupSecret, { payment_method: { card: card } });
    if (result.error) {
      errors.textContent = result.error.message || "Your card could not be saved.";
      retry.classList.remove("d-none");  // a SetupIntent is single-use: reload for a fresh one
      button.classList.add("d-none");
      return;
    }
    form.querySelector("[name=setup_intent]").value = result.setupIntent.id;
    form.submit();
  });
})();
