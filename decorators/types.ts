export type { ArgsAccepted, PolicyDecorator } from '../src/policy/decorator';
