// Runs the load generator in its own process (so it does not share the server's event loop)
// and reports progress and the final report as JSON lines on stdout.
import { runLoad } from '../../simulators/dist/load/load-generator.js';

const options = JSON.parse(process.argv[2]);
const report = await runLoad(options, (snapshot) => process.stdout.write(`progress ${JSON.stringify(snapshot)}\n`));
process.stdout.write(`report ${JSON.stringify(report)}\n`);
