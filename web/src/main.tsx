// Entry point of the console bundle: styles, then the app mounted on #app (index.html loads this
// script dynamically, so it may run before the body is parsed).

import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './components/App.js';

function mount(): void {
  const root = document.getElementById('app')!;
  root.textContent = '';
  root.removeAttribute('style');
  render(<App />, root);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
