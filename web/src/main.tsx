// Entry point of the console bundle: styles, then the app mounted on #app.

import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './components/App.js';

render(<App />, document.getElementById('app')!);
