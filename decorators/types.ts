export type { ArgsAccepted, PolicyDecorator } from '../src/policy/decorator';

/**
 * The legacy (`experimentalDecorators`) shape of this package's decorators, as earlier versions typed them.
 * @deprecated Use {@link PolicyDecorator}, which also types TC39 standard decorators.
 */
export type AsyncMethodDecorator = <F extends (...args: never[]) => Promise<unknown>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<F>,
) => void;
