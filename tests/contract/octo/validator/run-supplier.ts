import { ValidationController } from './src/common/validation/supplier/services/validation/Controller';
import { Context } from './src/common/validation/supplier/services/validation/context/Context';

async function main() {
  const [endpoint, key] = process.argv.slice(2);
  const controller = new ValidationController({ logScenario: async () => {} } as any);
  const context = new Context();
  context.useRequestContext = false;
  context.setSchema({ backend: { endpoint, headers: { Authorization: `Bearer ${key}` } } } as any);
  const results = await controller.validate(context);
  let errors = 0, warnings = 0, scenarios = 0;
  for (const flow of results as any[]) {
    console.log(`== ${flow.flow?.name ?? flow.name} success=${flow.success}`);
    for (const s of flow.scenarios) {
      scenarios++;
      const errs = s.validationResult?.errors ?? s.errors ?? [];
      const warns: any[] = [];
      errors += errs.length; warnings += warns.length;
      console.log(`  ${s.validationResult} ${s.name}`); if (s.validationResult !== 'SUCCESS') warnings += (s.validationResult === 'WARNING' ? 1 : 0);
      for (const e of errs) console.log(`     ERROR ${e.message ?? JSON.stringify(e)}`);
      for (const w of warns) console.log(`     WARN  ${w.message ?? JSON.stringify(w)}`);
    }
  }
  console.log(`scenarios=${scenarios} errors=${errors} warnings=${warnings}`);
}
main().catch((e) => { console.error(e); process.exit(2); });
