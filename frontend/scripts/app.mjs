// Loaded as a module (deferred, so the body exists). It stands in for the inline script of
// govuk-frontend's page template, which the content security policy forbids.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('govuk-frontend-supported')
initAll()
