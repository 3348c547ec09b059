import * as tf from '@tensorflow/tfjs';
import { KERAS_ADADELTA } from '../../contract/custom-ops.js';
import { ADADELTA } from '../seed.js';

type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slots {
  grad: tf.Variable;
  delta: tf.Variable;
}

/**
 * Adadelta as Keras computes it (Zeiler 2012):
 *   g² ← ρ·g² + (1-ρ)·grad²
 *   Δ  ← -√(Δ² + ε) / √(g² + ε) · grad        (the updated g²)
 *   Δ² ← ρ·Δ² + (1-ρ)·Δ²
 *   w  ← w + lr·Δ
 * tfjs's AdadeltaOptimizer divides by the old g² instead, so its first step
 * is lr·grad/|grad| (a full unit jump), and this model does not learn with it.
 */
export class KerasAdadelta extends tf.Optimizer {
  static readonly className = 'KerasAdadelta';
  private readonly slots = new Map<string, Slots>();

  constructor(
    readonly learningRate: number = ADADELTA.learningRate,
    readonly rho: number = ADADELTA.rho,
    readonly epsilon: number = ADADELTA.epsilon,
  ) {
    super();
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => [name, tensor] as const)
      : Object.entries(variableGradients);
    const fused = tf.getKernel(KERAS_ADADELTA, tf.getBackend()) != null;
    const attrs = { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
    for (const [name, grad] of pairs) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      const slots = this.slotsFor(name, variable);
      const [value, gradSq, deltaSq] = fused
        ? (tf.engine().runKernel(KERAS_ADADELTA, { value: variable, grad, accumGrad: slots.grad, accumDelta: slots.delta }, attrs) as tf.Tensor[])
        : this.update(variable, grad, slots);
      slots.grad.assign(gradSq);
      slots.delta.assign(deltaSq);
      variable.assign(value);
      tf.dispose([value, gradSq, deltaSq]);
    }
    this.incrementIterations();
  }

  /** The update as tf ops: new value, new g² and new Δ² accumulators. */
  private update(variable: tf.Tensor, grad: tf.Tensor, slots: Slots): tf.Tensor[] {
    return tf.tidy(() => {
      const gradSq = tf.add(tf.mul(slots.grad, this.rho), tf.mul(tf.square(grad), 1 - this.rho));
      const step = tf.mul(tf.div(tf.sqrt(tf.add(slots.delta, this.epsilon)), tf.sqrt(tf.add(gradSq, this.epsilon))), grad);
      const deltaSq = tf.add(tf.mul(slots.delta, this.rho), tf.mul(tf.square(step), 1 - this.rho));
      return [tf.sub(variable, tf.mul(step, this.learningRate)), gradSq, deltaSq];
    });
  }

  private slotsFor(name: string, variable: tf.Variable): Slots {
    let slots = this.slots.get(name);
    if (!slots) {
      slots = tf.tidy(() => ({
        grad: tf.variable(tf.zerosLike(variable), false),
        delta: tf.variable(tf.zerosLike(variable), false),
      }));
      this.slots.set(name, slots);
    }
    return slots;
  }

  override dispose(): void {
    for (const { grad, delta } of this.slots.values()) {
      grad.dispose();
      delta.dispose();
    }
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights = [...this.slots.entries()].flatMap(([name, s]) => [
      { name: `${name}/accum_grad`, tensor: s.grad },
      { name: `${name}/accum_delta`, tensor: s.delta },
    ]);
    return [await this.saveIterations(), ...weights];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    this.dispose();
    const byName = new Map(values.map((v) => [v.name, v.tensor]));
    for (const [key, tensor] of byName) {
      if (!key.endsWith('/accum_grad')) continue;
      const name = key.slice(0, -'/accum_grad'.length);
      const delta = byName.get(`${name}/accum_delta`);
      if (!delta) continue;
      this.slots.set(name, {
        grad: tf.variable(tensor, false),
        delta: tf.variable(delta, false),
      });
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.rho, config.epsilon);
  }
}

tf.serialization.registerClass(KerasAdadelta);
