/**
 * A labelled image set in CIFAR-10's own layout: each image is 3,072 bytes,
 * the red plane then green then blue, each 32x32 row-major.
 */
export interface ImageSet {
  /** [count * 3072] bytes, channel-major per image, as in the .bin files. */
  images: Uint8Array;
  /** [count] class ids. */
  labels: Uint8Array;
  count: number;
}

/** Everything a search or retrain run needs from the loaded files. */
export interface CifarData {
  train: ImageSet;
  /** Test images; never used for search. Empty when no test batch was given. */
  test: ImageSet;
  classNames: string[];
}
