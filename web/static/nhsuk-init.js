// Starts the NHS.UK components on every page: the header menu, error summary focus, conditional reveals,
// scrolling tables, notification banners.
import { initAll } from './vendor/nhsuk/nhsuk-frontend.min.js';

initAll();
