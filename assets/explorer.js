// Starts Swagger UI on the API's own OpenAPI document (a file, not an inline script: the CSP forbids those).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#explorateur",
    deepLinking: true,
    tryItOutEnabled: true,
    validatorUrl: null,
  });
});
