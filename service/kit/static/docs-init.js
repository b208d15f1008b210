// Starts Swagger UI on /docs from a file, so the page needs no inline script under its CSP.
window.addEventListener("load", function () {
  // validatorUrl null: Swagger UI would otherwise ask validator.swagger.io about the spec.
  window.ui = SwaggerUIBundle({
    url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null,
  });
});
