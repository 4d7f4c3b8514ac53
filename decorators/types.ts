/** The shape of a method decorator from this package: applies to methods that return a promise. */
export type AsyncMethodDecorator = <F extends (...args: never[]) => Promise<unknown>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<F>,
) => void;
