import { mount } from 'svelte';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import App from './App.svelte';
import { startLanguage } from './lib/services/language.service.js';

// The language before the first paint, so a Danish user never sees an English flash.
startLanguage();

mount(App, { target: document.getElementById('app')! });
