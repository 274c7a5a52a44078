// Entry point of the console bundle: styles, then the app mounted on #app (index.html loads this
// script dynamically, so it may run before the body is parsed).

import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './components/App.js';

function mount(): void {
  render(<App />, document.getElementById('app')!);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
