// ml-isolation-forest 0.1.0 ships no types; the parts vigil uses (see models/forest/forest.ts).
declare module 'ml-isolation-forest' {
  export interface IsolationTreeNode {
    depth: number;
    maxDepth: number;
    left?: IsolationTreeNode;
    right?: IsolationTreeNode;
    splitColumn?: number;
    splitValue?: number;
    trainingSet?: readonly (readonly number[])[];
    isLeafNode(): boolean;
    numberDataPoints(): number;
    pathLengthFromRoot(row: ArrayLike<number>, pathLength: number): number;
  }
  export class IsolationForest {
    constructor(options?: { nEstimators?: number });
    nEstimators: number;
    forest: IsolationTreeNode[];
    trainingSet: ArrayLike<unknown>;
    train(trainingSet: readonly (readonly number[])[]): void;
    predict(data: readonly ArrayLike<number>[]): number[];
  }
}
