// The pay page: on submit, ask the server for a SetupIntent and save the card with it
// (confirmCardSetup), let the server charge it, and run 3-D Secure (confirmCardPayment) when the
// server says the bank asks for it. Loading the page creates nothing. Our own messages come translated
// in #payment-config's data attributes.
(function () {
  "use strict";
  const config = document.getElementById("payment-config");
  if (!config || typeof Stripe === "undefined") return;
  const stripe = Stripe(config.dataset.publishableKey);

  if (config.dataset.actionSecret) {
    // Whatever the popup returns, the server reads the outcome from Stripe on the return URL.
    stripe.confirmCardPayment(config.dataset.actionSecret).finally(function () {
      document.getElementById("payment-return").submit();
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

  async function setupSecret() {
    // A SetupIntent is made only when the customer submits the card (no writes on page load).
    try {
      const response = await fetch(config.dataset.setupUrl, {
        method: "POST",
        headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
        credentials: "same-origin",
      });
      const data = await response.json();
      return data.client_secret ? { secret: data.client_secret } : { error: data.error };
    } catch (failure) {
      return { error: config.dataset.unreachableMessage };
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const setup = await setupSecret();
    if (setup.error) {
      errors.textContent = setup.error;
      button.disabled = false;
      return;
    }
    const result = await stripe.confirmCardSetup(setup.secret, { payment_method: { card: card } });
    if (result.error) {
      errors.textContent = result.error.message || config.dataset.notSavedMessage;
      retry.classList.remove("d-none");  // reload for a clean card form
      button.classList.add("d-none");
      return;
    }
    form.querySelector("[name=setup_intent]").value = result.setupIntent.id;
    form.submit();
  });
})();
