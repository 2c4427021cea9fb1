import { DOCS_ASSETS } from './swagger-assets'

/** The script that starts Swagger UI, served as a file so the page's CSP needs no inline script. */
export const DOCS_INIT = {
  path: '/docs/init.js',
  body: `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  // Swagger UI would otherwise send the document to a public validator for its badge.
  validatorUrl: 'none',
})
`,
}

/** The page at /docs: Swagger UI's stylesheet and bundle from lef itself, versioned for caching. */
export function docsPage(title: string, version: string): string {
  const v = encodeURIComponent(version)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${DOCS_ASSETS.css.path}?v=${v}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSETS.js.path}?v=${v}"></script>
<script src="${DOCS_INIT.path}?v=${v}"></script>
</body>
</html>
`
}
